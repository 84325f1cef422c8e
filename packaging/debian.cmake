# Debian packages: one per component.
#   console -> threadline         (the console for agents)
#   server  -> threadline-server  (threadlined, threadline-sandbox, systemd unit, /etc/threadline)
# Included from packaging/CMakeLists.txt on Linux only.

set(pkg_src ${CMAKE_CURRENT_SOURCE_DIR})
set(pkg_bin ${CMAKE_CURRENT_BINARY_DIR})
# Debian 12 still keeps units in /lib (usrmerge moves them later); sysusers.d is under /usr/lib.
set(THREADLINE_SYSTEMD_UNIT_DIR "/lib/systemd/system" CACHE STRING "Where the systemd unit is installed")
set(THREADLINE_SYSUSERS_DIR "/usr/lib/sysusers.d" CACHE STRING "Where the sysusers.d snippet is installed")

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${THREADLINE_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${THREADLINE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

# Qt loads these as plugins at run time, so dpkg-shlibdeps cannot see them: the SQL drivers
# (SQLite by default, PostgreSQL for several servers), the platform plugins (xcb; offscreen is in
# libqt6gui6) and the SVG icon engine and image plugin (libqt6svg6 on Debian 12: the console's
# icons are SVG). The merged Depends line is checked by test-packages.sh.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME threadline)
set(CPACK_DEBIAN_CONSOLE_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6sql6-psql, qt6-qpa-plugins, libqt6svg6")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_RECOMMENDS "hicolor-icon-theme")
set(CPACK_DEBIAN_CONSOLE_DESCRIPTION "request desk that lives inside Slack (console)
Threadline is a request desk for HR and IT teams in which every request
also lives in Slack: each follower of a request gets their own thread in
their direct-message conversation with the Threadline app, and the desk
and all those threads stay mirrored, both ways.
.
This package contains the desktop console for agents. It runs the engine
in-process on a local SQLite database, or connects to a threadlined server.")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME threadline-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6sql6-psql, adduser")
set(CPACK_DEBIAN_SERVER_DESCRIPTION "request desk that lives inside Slack (server)
Threadline is a request desk for HR and IT teams in which every request
also lives in Slack: each follower of a request gets their own thread in
their direct-message conversation with the Threadline app, and the desk
and all those threads stay mirrored, both ways.
.
This package contains threadlined, the headless server (Slack connection,
REST and WebSocket API, health and metrics), its hardened systemd unit and
default configuration, and threadline-sandbox, an emulated Slack workspace
for demos and tests.")

# Maintainer scripts and conffiles of the server package (the console needs none: dpkg triggers
# refresh the icon cache, desktop database and man-db).
set(server_control ${pkg_bin}/debian-server)
foreach(script postinst prerm postrm)
    configure_file(${pkg_src}/debian/${script}.in ${server_control}/${script} @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
endforeach()
file(WRITE ${server_control}/conffiles "/etc/threadline/threadline.conf\n")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${server_control}/postinst ${server_control}/prerm ${server_control}/postrm ${server_control}/conffiles)

# Compressed documentation: man pages and the Debian changelog (gzip -9n: reproducible).
string(TIMESTAMP threadline_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(threadline_gz_outputs)
function(threadline_gzip source name)
    set(out ${pkg_bin}/gz/${name}.gz)
    add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${pkg_bin}/gz
        COMMAND ${CMAKE_COMMAND} -E copy ${source} ${pkg_bin}/gz/${name}
        COMMAND gzip -9nf ${pkg_bin}/gz/${name}
        DEPENDS ${source}
        COMMENT "Compressing ${name}"
        VERBATIM)
    set(threadline_gz_outputs ${threadline_gz_outputs} ${out} PARENT_SCOPE)
endfunction()

foreach(package threadline threadline-server)
    set(THREADLINE_DEB_PACKAGE ${package})
    configure_file(${pkg_src}/debian/changelog.in ${pkg_bin}/changelog/${package}/changelog.Debian @ONLY)
    threadline_gzip(${pkg_bin}/changelog/${package}/changelog.Debian ${package}.changelog.Debian)
endforeach()
threadline_gzip(${pkg_src}/threadlined.8 threadlined.8)
threadline_gzip(${pkg_src}/threadline-sandbox.1 threadline-sandbox.1)
threadline_gzip(${pkg_src}/threadline.1 threadline.1)
add_custom_target(threadline-package-docs ALL DEPENDS ${threadline_gz_outputs})

# --- threadline-server -------------------------------------------------------------------------
install(FILES ${pkg_src}/threadlined.service DESTINATION ${THREADLINE_SYSTEMD_UNIT_DIR} COMPONENT server)
install(FILES ${pkg_src}/threadline.sysusers DESTINATION ${THREADLINE_SYSUSERS_DIR}
        RENAME threadline.conf COMPONENT server)
install(FILES ${pkg_src}/threadline.conf DESTINATION /etc/threadline COMPONENT server)
install(FILES ${pkg_bin}/gz/threadlined.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT server)
install(FILES ${pkg_bin}/gz/threadline-sandbox.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT server)
install(FILES ${pkg_src}/debian/copyright DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/threadline-server
        COMPONENT server)
install(FILES ${pkg_src}/debian/threadline-server.lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME threadline-server COMPONENT server)
install(FILES ${pkg_bin}/gz/threadline-server.changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/threadline-server
        RENAME changelog.Debian.gz COMPONENT server)

# The AppStream release notes are written by hand: refuse to package a version they do not describe.
if(THREADLINE_BUILD_GUI)
    file(STRINGS ${pkg_src}/io.threadline.Threadline.metainfo.xml metainfo_release REGEX "<release version=" LIMIT_COUNT 1)
    if(NOT metainfo_release MATCHES "version=\"${PROJECT_VERSION}\"")
        message(FATAL_ERROR "packaging/io.threadline.Threadline.metainfo.xml: the newest <release> is not "
                            "${PROJECT_VERSION}; add release notes for it")
    endif()
endif()

# --- threadline (console) ----------------------------------------------------------------------
if(THREADLINE_BUILD_GUI)
    install(FILES ${pkg_src}/threadline.desktop DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications
            COMPONENT console)
    install(FILES ${pkg_src}/io.threadline.Threadline.metainfo.xml
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/metainfo COMPONENT console)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/threadline.svg
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/scalable/apps COMPONENT console)
    # PNG renderings of resources/icons/threadline.svg, committed (packaging/icons/README.md says how
    # to regenerate them), so packaging needs no SVG rasterizer.
    foreach(size 16 32 48 64 128 256)
        install(FILES ${pkg_src}/icons/${size}x${size}/threadline.png
                DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/${size}x${size}/apps COMPONENT console)
    endforeach()
    install(FILES ${pkg_bin}/gz/threadline.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT console)
    install(FILES ${pkg_src}/debian/copyright DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/threadline
            COMPONENT console)
    install(FILES ${pkg_src}/debian/threadline.lintian-overrides
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME threadline COMPONENT console)
    install(FILES ${pkg_bin}/gz/threadline.changelog.Debian.gz
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/threadline
            RENAME changelog.Debian.gz COMPONENT console)
endif()
