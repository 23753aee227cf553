# LFS 12.3 chapter 8.35: Grep.
mkdir src && tar -xf "$SOURCES/grep-3.11.tar.xz" -C src --strip-components=1
cd src
sed -i "s/echo/#echo/" src/egrep.sh
./configure --prefix=/usr
make
make install
