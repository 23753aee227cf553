# LFS 12.3 chapter 6.15: Tar.
mkdir src && tar -xf "$SOURCES/tar-1.35.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT" --build="$(build-aux/config.guess)"
make
make DESTDIR="$LFS" install
