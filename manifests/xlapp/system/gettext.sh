# LFS 12.3 chapter 8.33: Gettext.
mkdir src && tar -xf "$SOURCES/gettext-0.23.1.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --docdir=/usr/share/doc/gettext-0.23.1
make
make install
chmod 0755 /usr/lib/preloadable_libintl.so
