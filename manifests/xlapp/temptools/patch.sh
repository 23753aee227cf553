# LFS 12.3 chapter 6.13: Patch.
mkdir src && tar -xf "$SOURCES/patch-2.7.6.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT" --build="$(build-aux/config.guess)"
make
make DESTDIR="$LFS" install
