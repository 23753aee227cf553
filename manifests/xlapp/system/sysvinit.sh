# LFS 12.3 chapter 8.84: Sysvinit (init, halt, shutdown; the book's
# consolidated patch is replaced by not building what it removes).
mkdir src && tar -xf "$SOURCES/sysvinit-3.18.tar.gz" -C src --strip-components=1
cd src
make
make install
