# LFS 12.3 chapter 6.2: M4.
mkdir src && tar -xf "$SOURCES/m4-1.4.19.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT" --build="$(build-aux/config.guess)"
make
make DESTDIR="$LFS" install
