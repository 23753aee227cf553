# LFS 12.3 chapter 8.49: Libelf from Elfutils (the kernel's objtool needs it).
mkdir src && tar -xf "$SOURCES/elfutils-0.192.tar.bz2" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-debuginfod --enable-libdebuginfod=dummy
make
make -C libelf install
install -m644 config/libelf.pc /usr/lib/pkgconfig
rm -f /usr/lib/libelf.a
