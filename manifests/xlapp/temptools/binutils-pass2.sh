# LFS 12.3 chapter 6.17: Binutils pass 2.
mkdir src && tar -xf "$SOURCES/binutils-2.44.tar.xz" -C src --strip-components=1
cd src
sed '6031s/$add_dir//' -i ltmain.sh
mkdir build && cd build
../configure \
  --prefix=/usr \
  --build="$(../config.guess)" \
  --host="$LFS_TGT" \
  --disable-nls \
  --enable-shared \
  --enable-gprofng=no \
  --disable-werror \
  --enable-64-bit-bfd \
  --enable-new-dtags \
  --enable-default-hash-style=gnu \
  --enable-deterministic-archives
make
make DESTDIR="$LFS" install
rm -v "$LFS"/usr/lib/lib{bfd,ctf,ctf-nobfd,opcodes,sframe}.{a,la}
