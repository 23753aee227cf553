# LFS 12.3 chapter 8.63: Findutils.
mkdir src && tar -xf "$SOURCES/findutils-4.10.0.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --localstatedir=/var/lib/locate
make
make install
