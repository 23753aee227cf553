# LFS 12.3 chapter 8.20: Binutils, final (deterministic archives).
mkdir src && tar -xf "$SOURCES/binutils-2.44.tar.xz" -C src --strip-components=1
cd src
mkdir build && cd build
../configure --prefix=/usr \
  --sysconfdir=/etc \
  --enable-ld=default \
  --enable-plugins \
  --enable-shared \
  --disable-werror \
  --enable-64-bit-bfd \
  --enable-new-dtags \
  --with-system-zlib \
  --enable-default-hash-style=gnu \
  --enable-deterministic-archives
make tooldir=/usr
make tooldir=/usr install
rm -f /usr/lib/lib{bfd,ctf,ctf-nobfd,gprofng,opcodes,sframe}.a
