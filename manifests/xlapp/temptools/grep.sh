# LFS 12.3 chapter 6.10: Grep.
mkdir src && tar -xf "$SOURCES/grep-3.11.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT" --build="$(./build-aux/config.guess)"
make
make DESTDIR="$LFS" install
