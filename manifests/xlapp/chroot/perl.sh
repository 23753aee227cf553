# LFS 12.3 chapter 7.9: Perl.
mkdir src && tar -xf "$SOURCES/perl-5.40.1.tar.xz" -C src --strip-components=1
cd src
# Reproducibility: Configure records when, where and by whom perl was
# configured (perl -V); config.over pins those values.
cat > config.over <<'EOC'
cf_time='Wed Jan  1 00:00:00 UTC 2025'
cf_by='xbuild'
cf_email='xbuild@localhost'
perladmin='root@localhost'
myhostname='xbuild'
mydomain='.localdomain'
myuname='linux xbuild'
EOC
sh Configure -des \
  -D prefix=/usr \
  -D vendorprefix=/usr \
  -D useshrplib \
  -D privlib=/usr/lib/perl5/5.40/core_perl \
  -D archlib=/usr/lib/perl5/5.40/core_perl \
  -D sitelib=/usr/lib/perl5/5.40/site_perl \
  -D sitearch=/usr/lib/perl5/5.40/site_perl \
  -D vendorlib=/usr/lib/perl5/5.40/vendor_perl \
  -D vendorarch=/usr/lib/perl5/5.40/vendor_perl
make
make install
