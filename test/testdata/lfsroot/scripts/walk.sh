# Below /build the classic getcwd must find its way up.
/bin/mkdir -p sub/deeper
cd sub/deeper
got=$(/usr/bin/walkcwd)
if [ "$got" != /build/sub/deeper ]; then
  echo "walkcwd found '$got', want /build/sub/deeper" >&2
  exit 1
fi
echo "$got" > /walk-ok
