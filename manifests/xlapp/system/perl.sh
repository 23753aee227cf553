# LFS 12.3 chapter 8.43: Perl, final (build time and host pinned).
mkdir src && tar -xf "$SOURCES/perl-5.40.1.tar.xz" -C src --strip-components=1
cd src
cat > config.over <<'EOC'
cf_time='Wed Jan  1 00:00:00 UTC 2025'
cf_by='xbuild'
cf_email='xbuild@localhost'
perladmin='root@localhost'
myhostname='xbuild'
mydomain='.localdomain'
myuname='linux xbuild'
EOC
export BUILD_ZLIB=False
export BUILD_BZIP2=0
sh Configure -des \
  -D prefix=/usr \
  -D vendorprefix=/usr \
  -D privlib=/usr/lib/perl5/5.40/core_perl \
  -D archlib=/usr/lib/perl5/5.40/core_perl \
  -D sitelib=/usr/lib/perl5/5.40/site_perl \
  -D sitearch=/usr/lib/perl5/5.40/site_perl \
  -D vendorlib=/usr/lib/perl5/5.40/vendor_perl \
  -D vendorarch=/usr/lib/perl5/5.40/vendor_perl \
  -D man1dir=/usr/share/man/man1 \
  -D man3dir=/usr/share/man/man3 \
  -D pager="/usr/bin/less -isR" \
  -D useshrplib \
  -D usethreads
make
make install
