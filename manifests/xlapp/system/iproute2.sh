# LFS 12.3 chapter 8.67: IPRoute2.
mkdir src && tar -xf "$SOURCES/iproute2-6.1.0.tar.xz" -C src --strip-components=1
cd src
sed -i /ARPD/d Makefile
rm -f man/man8/arpd.8
make NETNS_RUN_DIR=/run/netns
make SBINDIR=/usr/sbin install
