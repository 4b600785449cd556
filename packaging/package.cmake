# The Debian package (cmake --build build --target package): install rules and CPack's DEB
# generator. Included from the top-level CMakeLists.txt, where include(CPack) must run.
#
# Layout (Debian policy): the binary in /usr/bin, the conffile in /etc/lapor-gateway, the unit
# in /lib/systemd/system, the state directory /var/lib/lapor-gateway (owned by the lapor user
# that postinst makes), the man page and the copyright file under /usr/share.
set(LAPOR_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(LAPOR_PKG_VERSION 0.15.0)

install(TARGETS lapor-gateway RUNTIME DESTINATION bin)
install(FILES ${LAPOR_PKG_DIR}/config.toml DESTINATION /etc/lapor-gateway)
install(FILES ${LAPOR_PKG_DIR}/lapor-gateway.service ${LAPOR_PKG_DIR}/lapor-gateway-backup.service
              ${LAPOR_PKG_DIR}/lapor-gateway-backup.timer DESTINATION /lib/systemd/system)
install(DIRECTORY DESTINATION /var/lib/lapor-gateway)
install(FILES ${LAPOR_PKG_DIR}/debian/copyright DESTINATION share/doc/lapor-gateway)
# The region index is derived from idn-area-data (ODbL): its licence and our notice ship with it.
install(FILES ${LAPOR_IDN_AREA_DATA}/data/LICENSE.md DESTINATION share/doc/lapor-gateway RENAME idn-area-data-LICENSE.md)
install(FILES ${PROJECT_SOURCE_DIR}/data/region/NOTICE.md DESTINATION share/doc/lapor-gateway RENAME region-data-NOTICE.md)

# Debian wants the man page and the changelog compressed with gzip -9n (no name, no time,
# so the package is reproducible).
set(LAPOR_PKG_GZ ${PROJECT_BINARY_DIR}/packaging)
add_custom_command(
  OUTPUT ${LAPOR_PKG_GZ}/lapor-gateway.8.gz ${LAPOR_PKG_GZ}/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LAPOR_PKG_GZ}
  COMMAND ${CMAKE_COMMAND} -DIN=${LAPOR_PKG_DIR}/lapor-gateway.8 -DOUT=${LAPOR_PKG_GZ}/lapor-gateway.8.gz
          -P ${LAPOR_PKG_DIR}/gzip_n.cmake
  COMMAND ${CMAKE_COMMAND} -DIN=${LAPOR_PKG_DIR}/debian/changelog -DOUT=${LAPOR_PKG_GZ}/changelog.gz
          -P ${LAPOR_PKG_DIR}/gzip_n.cmake
  DEPENDS ${LAPOR_PKG_DIR}/lapor-gateway.8 ${LAPOR_PKG_DIR}/debian/changelog ${LAPOR_PKG_DIR}/gzip_n.cmake
  COMMENT "Compressing the man page and the changelog (gzip -9n)"
  VERBATIM)
add_custom_target(lapor_package_docs ALL DEPENDS ${LAPOR_PKG_GZ}/lapor-gateway.8.gz ${LAPOR_PKG_GZ}/changelog.gz)
install(FILES ${LAPOR_PKG_GZ}/lapor-gateway.8.gz DESTINATION share/man/man8)
install(FILES ${LAPOR_PKG_GZ}/changelog.gz DESTINATION share/doc/lapor-gateway)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lapor-gateway)
set(CPACK_PACKAGE_VERSION ${LAPOR_PKG_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "SP4N-LAPOR! gateway team <gateway@lapor.go.id>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SP4N-LAPOR! multichannel complaint ingestion gateway")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description only.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "One daemon takes citizens' reports for SP4N-LAPOR! from SMS to 1708
(SMPP 3.4), mentions of @lapor1708 on X/Twitter, a web form and the mobile
apps' JSON API, turns each into one canonical complaint with a tracking ID,
recognises duplicates across channels, stores it durably in SQLite and
forwards it to the national dispatcher through an outbox. It runs as the
systemd service lapor-gateway.service.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://www.lapor.go.id/")
# Depends: the shared libraries the binary needs (dpkg-shlibdeps), plus what the maintainer
# scripts call: adduser, deb-systemd-invoke (init-system-helpers).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${LAPOR_PKG_DIR}/debian/conffiles ${LAPOR_PKG_DIR}/debian/postinst
    ${LAPOR_PKG_DIR}/debian/prerm ${LAPOR_PKG_DIR}/debian/postrm)
# Maintainer scripts 0755, conffiles 0644, whatever the checkout's modes (lintian checks).
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# Only the daemon's files: the tests and benchmarks install nothing.
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};${PROJECT_NAME};ALL;/")
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
