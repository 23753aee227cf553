# LFS 12.3 chapter 6.6: Diffutils.
mkdir src && tar -xf "$SOURCES/diffutils-3.10.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT" --build="$(./build-aux/config.guess)"
make
make DESTDIR="$LFS" install
