# LFS 12.3 chapter 6.3: Ncurses (tic is built for the host first). 6.4
# needs --enable-widec (the default from 6.5 on).
mkdir src && tar -xf "$SOURCES/ncurses-6.4.tar.gz" -C src --strip-components=1
cd src
sed -i s/mawk// configure
mkdir build
pushd build
  ../configure AWK=gawk
  make -C include
  make -C progs tic
popd
./configure --prefix=/usr \
  --host="$LFS_TGT" \
  --build="$(./config.guess)" \
  --mandir=/usr/share/man \
  --with-manpage-format=normal \
  --with-shared \
  --without-normal \
  --with-cxx-shared \
  --without-debug \
  --without-ada \
  --disable-stripping \
  --enable-widec \
  AWK=gawk
make
make DESTDIR="$LFS" TIC_PATH="$(pwd)/build/progs/tic" install
ln -sv libncursesw.so "$LFS/usr/lib/libncurses.so"
sed -e 's/^#if.*XOPEN.*$/#if 1/' -i "$LFS/usr/include/curses.h"
