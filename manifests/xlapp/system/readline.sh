# LFS 12.3 chapter 8.12: Readline.
mkdir src && tar -xf "$SOURCES/readline-8.2.tar.gz" -C src --strip-components=1
cd src
sed -i '/MV.*old/d' Makefile.in
sed -i '/{OLDSUFF}/c:' support/shlib-install
sed -i 's/-Wl,-rpath,[^ ]*//' support/shobj-conf
./configure --prefix=/usr --disable-static --with-curses --docdir=/usr/share/doc/readline-8.2
make SHLIB_LIBS="-lncursesw"
make install
