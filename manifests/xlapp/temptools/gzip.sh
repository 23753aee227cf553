# LFS 12.3 chapter 6.11: Gzip.
mkdir src && tar -xf "$SOURCES/gzip-1.13.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --host="$LFS_TGT"
make
make DESTDIR="$LFS" install
