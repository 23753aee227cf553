# LFS 12.3 chapter 8.15: Flex.
mkdir src && tar -xf "$SOURCES/flex-2.6.4.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --docdir=/usr/share/doc/flex-2.6.4 --disable-static
make
make install
ln -sfn flex /usr/bin/lex
