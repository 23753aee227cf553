# LFS 12.3 chapter 8.29: GCC, final, and the book's sanity checks.
. "$SOURCES/unpack.sh"
unpack_gcc src
cd src
sed -e '/m64=/s/lib64/lib/' -i.orig gcc/config/i386/t-linux64
mkdir build && cd build
../configure --prefix=/usr \
  LD=ld \
  --enable-languages=c,c++ \
  --enable-default-pie \
  --enable-default-ssp \
  --enable-host-pie \
  --disable-multilib \
  --disable-bootstrap \
  --disable-fixincludes \
  --with-system-zlib
make
make install
chown -R root:root /usr/lib/gcc/x86_64-pc-linux-gnu/14.2.0/include{,-fixed}
ln -sfn ../usr/bin/cpp /usr/lib/cpp
ln -sfn gcc.1 /usr/share/man/man1/cc.1
mkdir -p /usr/lib/bfd-plugins
ln -sfn ../../libexec/gcc/x86_64-pc-linux-gnu/14.2.0/liblto_plugin.so /usr/lib/bfd-plugins/
cd "$HOME"
echo 'int main(){}' > dummy.c
cc dummy.c -v -Wl,--verbose &> dummy.log
readelf -l a.out | grep -q 'Requesting program interpreter: /lib64/ld-linux-x86-64.so.2'
grep -q 'crt1.o succeeded' dummy.log
rm -f dummy.c a.out dummy.log
mkdir -p /usr/share/gdb/auto-load/usr/lib
mv /usr/lib/*gdb.py /usr/share/gdb/auto-load/usr/lib
