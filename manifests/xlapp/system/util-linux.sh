# LFS 12.3 chapter 8.81: Util-linux, final.
mkdir src && tar -xf "$SOURCES/util-linux-2.41.5.tar.xz" -C src --strip-components=1
cd src
./configure --bindir=/usr/bin \
  --libdir=/usr/lib \
  --runstatedir=/run \
  --sbindir=/usr/sbin \
  --disable-chfn-chsh \
  --disable-login \
  --disable-nologin \
  --disable-su \
  --disable-setpriv \
  --disable-runuser \
  --disable-pylibmount \
  --disable-liblastlog2 \
  --disable-static \
  --without-python \
  --without-systemd \
  --without-systemdsystemunitdir \
  ADJTIME_PATH=/var/lib/hwclock/adjtime \
  --docdir=/usr/share/doc/util-linux-2.41.5
make
make install
