# LFS 12.3 chapter 8.25: Acl.
mkdir src && tar -xf "$SOURCES/acl-2.3.2.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --docdir=/usr/share/doc/acl-2.3.2
make
make install
