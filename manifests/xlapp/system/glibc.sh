# LFS 12.3 chapter 8.5: Glibc, final.
mkdir src && tar -xf "$SOURCES/glibc-2.41.tar.xz" -C src --strip-components=1
cd src
# The effect of LFS's glibc-2.41-fhs-1.patch (see toolchain/glibc.sh).
sed -i 's@/var/db/@/var/lib/nss_db/@' sysdeps/generic/paths.h sysdeps/unix/sysv/linux/paths.h
sed -i 's@^VAR_DB = /var/db$@VAR_DB = /var/lib/nss_db@' nss/db-Makefile
# Debian's glibc orig (xlapp-debian) has no manual/ (GFDL): skip that subdir.
[ -d manual ] || sed -i 's/ wctype manual po / wctype po /' Makeconfig
mkdir build && cd build
echo "rootsbindir=/usr/sbin" > configparms
../configure --prefix=/usr \
  --disable-werror \
  --disable-nscd \
  libc_cv_slibdir=/usr/lib \
  --enable-stack-protector=strong \
  --enable-kernel=5.4
make
touch /etc/ld.so.conf
sed '/test-installation/s@$(PERL)@echo not running@' -i ../Makefile
make install
sed '/RTLDLIST=/s@/usr@@g' -i /usr/bin/ldd
# Locales, one at a time (a parallel locale build is not reproducible):
# a server needs only C.UTF-8 and en_US.UTF-8.
localedef -i C -f UTF-8 C.UTF-8
localedef -i en_US -f UTF-8 en_US.UTF-8
cat > /etc/nsswitch.conf <<'EOC'
passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
ethers: files
rpc: files
EOC
cat > /etc/ld.so.conf <<'EOC'
/usr/local/lib
/opt/lib
EOC
# No time zone data: XLAPP runs in UTC (TZ unset); /etc/localtime absent.
rm -f /var/cache/ldconfig/aux-cache
