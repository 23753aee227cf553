# LFS 12.3 chapter 8.30: Ncurses.
mkdir src && tar -xf "$SOURCES/ncurses-6.4.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --mandir=/usr/share/man \
  --with-shared \
  --without-debug \
  --without-normal \
  --with-cxx-shared \
  --enable-pc-files \
  --enable-widec \
  --with-pkg-config-libdir=/usr/lib/pkgconfig
make
make DESTDIR="$PWD/dest" install
install -m755 dest/usr/lib/libncursesw.so.6.4 /usr/lib
rm dest/usr/lib/libncursesw.so.6.4
sed -e 's/^#if.*XOPEN.*$/#if 1/' -i dest/usr/include/curses.h
cp -a dest/* /
for lib in ncurses form panel menu; do
  ln -sfn lib${lib}w.so /usr/lib/lib${lib}.so
  ln -sfn ${lib}w.pc /usr/lib/pkgconfig/${lib}.pc
done
ln -sfn libncursesw.so /usr/lib/libcurses.so
