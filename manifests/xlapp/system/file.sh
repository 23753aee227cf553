# LFS 12.3 chapter 8.11: File.
mkdir src && tar -xf "$SOURCES/file-5.46.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
