# LFS 12.3 chapter 8.23: MPC.
mkdir src && tar -xf "$SOURCES/mpc-1.3.1.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --docdir=/usr/share/doc/mpc-1.3.1
make
make install
