# LFS 12.3 chapter 8.34: Bison.
mkdir src && tar -xf "$SOURCES/bison-3.8.2.tar.xz" -C src --strip-components=1
cd src
# Debian's orig (xlapp-debian) has no doc/bison.texi (GFDL manual removed),
# from which the manual, its figures and the example sources are made:
# build and install without them then (make's variables emptied on its
# command line). Make still checks the manual's files: an empty texi dated
# 1970 and an info file newer than every input satisfy it; neither is
# installed.
nomanual=
if [ ! -f doc/bison.texi ]; then
  nomanual="INFO_DEPS= doc_bison_TEXINFOS= FIGS_GV= extracted= mfcalc_extracted= rpcalc_extracted= calcxx_extracted= calcxx_sources_extracted= simple_extracted="
  touch -d @0 doc/bison.texi
  touch doc/bison.info
  touch doc/bison.info.bak
fi
./configure --prefix=/usr --docdir=/usr/share/doc/bison-3.8.2
make $nomanual
make install $nomanual
