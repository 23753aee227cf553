# LFS 12.3 chapter 7.13: remove documentation, libtool archives and the
# cross toolchain, which the final system no longer needs.
rm -rf /usr/share/{info,man,doc}/*
find /usr/{lib,libexec} -name '*.la' -delete
rm -rf /tools
