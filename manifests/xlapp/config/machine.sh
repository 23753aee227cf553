# The machine's identity and network, from the stage's environment (the
# machine config; variables documented in manifests/xlapp/README.md):
#   XLAPP_HOSTNAME  XLAPP_DOMAIN  XLAPP_IFACE  XLAPP_ADDRESS (CIDR)
#   XLAPP_GATEWAY   XLAPP_ADDRESS6  XLAPP_GATEWAY6  XLAPP_DNS (space separated)
#   XLAPP_MTU       XLAPP_ROOT_DEV
: "${XLAPP_HOSTNAME:?}" "${XLAPP_IFACE:?}"
echo "$XLAPP_HOSTNAME" > /etc/hostname
fqdn=$XLAPP_HOSTNAME${XLAPP_DOMAIN:+.$XLAPP_DOMAIN}
cat > /etc/hosts <<EOC
127.0.0.1  localhost
::1        localhost
${XLAPP_ADDRESS:+${XLAPP_ADDRESS%/*}  $fqdn $XLAPP_HOSTNAME}
EOC
cat > /etc/sysconfig/network <<EOC
# Written by xbuild's config stage from the machine config.
IFACE=$XLAPP_IFACE
ADDRESS=${XLAPP_ADDRESS:-}
GATEWAY=${XLAPP_GATEWAY:-}
ADDRESS6=${XLAPP_ADDRESS6:-}
GATEWAY6=${XLAPP_GATEWAY6:-}
MTU=${XLAPP_MTU:-}
EOC
{
  [ -n "${XLAPP_DOMAIN:-}" ] && echo "search $XLAPP_DOMAIN"
  for ns in ${XLAPP_DNS:-}; do echo "nameserver $ns"; done
} > /etc/resolv.conf
if [ -n "${XLAPP_ROOT_DEV:-}" ]; then
  sed -i "s@^/dev/[^ ]* *\( */ \)@$XLAPP_ROOT_DEV \1@" /etc/fstab
fi
