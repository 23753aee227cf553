# LFS 12.3 chapter 8.62: Gawk.
mkdir src && tar -xf "$SOURCES/gawk-5.3.2.tar.xz" -C src --strip-components=1
cd src
sed -i 's/extras//' Makefile.in
./configure --prefix=/usr
make
rm -f /usr/bin/gawk-5.3.2
make install
ln -sfn gawk.1 /usr/share/man/man1/awk.1
