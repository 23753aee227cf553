# Chapter 8.14's bc: GNU bc 1.07.1 (Debian's bc) instead of Gavin
# Howard's; the kernel build needs a bc. Built with make -j1: its
# generated libmath.h races under -j.
mkdir src && tar -xf "$SOURCES/bc-1.07.1.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --with-readline
make
make install
