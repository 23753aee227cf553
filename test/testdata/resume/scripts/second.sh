echo "about to fail: XBUILD-FAILURE-MARKER"
exit 3
