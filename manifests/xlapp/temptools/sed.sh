# LFS 12.3 chapter 6.14: Sed.
mkdir src && tar -xf "$SOURCES/sed-4.9.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT" --build="$(./build-aux/config.guess)"
make
make DESTDIR="$LFS" install
