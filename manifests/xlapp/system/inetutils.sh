# LFS 12.3 chapter 8.41: Inetutils, keeping its syslogd (XLAPP's system
# logger, in place of LFS's sysklogd) and no other server.
mkdir src && tar -xf "$SOURCES/inetutils-2.6.tar.xz" -C src --strip-components=1
cd src
sed -i 's/def HAVE_TERMCAP_TGETENT/ 1/' telnet/telnet.c
./configure --prefix=/usr \
  --bindir=/usr/bin \
  --localstatedir=/var \
  --disable-logger \
  --disable-whois \
  --disable-rcp \
  --disable-rexec \
  --disable-rlogin \
  --disable-rsh \
  --disable-ftpd \
  --disable-inetd \
  --disable-rexecd \
  --disable-rlogind \
  --disable-rshd \
  --disable-talkd \
  --disable-telnetd \
  --disable-tftpd \
  --disable-uucpd \
  --enable-syslogd
make
make install
mv /usr/{,s}bin/ifconfig
