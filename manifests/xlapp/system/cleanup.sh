# LFS 12.3 chapter 8.86-8.87: clean up. Libtool archives only do harm;
# caches that record the build are removed (reproducibility).
rm -rf /tmp/{*,.[!.]*}
find /usr/lib /usr/libexec -name '*.la' -delete
find /usr -depth -name 'x86_64-lfs-linux-gnu*' -exec rm -rf {} \;
rm -f /var/cache/ldconfig/aux-cache
