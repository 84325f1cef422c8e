# Windows installer: CPack NSIS with windeployqt. Included from packaging/CMakeLists.txt when WIN32.
# NOT BUILT OR TESTED: the project's machines are Debian only. See packaging/windows/README.md.

set(CPACK_GENERATOR NSIS)
set(CPACK_PACKAGE_INSTALL_DIRECTORY "Threadline")
set(CPACK_NSIS_PACKAGE_NAME "Threadline")
set(CPACK_NSIS_DISPLAY_NAME "Threadline ${PROJECT_VERSION}")
set(CPACK_NSIS_URL_INFO_ABOUT "${THREADLINE_HOMEPAGE}")
set(CPACK_NSIS_CONTACT "${CPACK_PACKAGE_CONTACT}")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH OFF)
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\threadline.exe")
# Start menu entry for the console (executable name, label).
set(CPACK_PACKAGE_EXECUTABLES threadline "Threadline")
# One installer; the console and the server are components the user can tick.
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)

# windeployqt at install time (so also inside CPack's staging install): copies the Qt DLLs, the
# platform, style, image-format, icon-engine and SQL driver plugins next to each program.
# qt_generate_deploy_app_script is Qt's own wrapper around windeployqt (Qt >= 6.3; the
# FILENAME_VARIABLE spelling is the 6.4 one, still accepted by later versions).
if(THREADLINE_BUILD_GUI)
    qt_generate_deploy_app_script(TARGET threadline FILENAME_VARIABLE threadline_deploy_console)
    install(SCRIPT ${threadline_deploy_console} COMPONENT console)
endif()
qt_generate_deploy_app_script(TARGET threadlined FILENAME_VARIABLE threadline_deploy_server)
install(SCRIPT ${threadline_deploy_server} COMPONENT server)

# The PostgreSQL driver plugin (qsqlpsql.dll) needs libpq.dll and its dependencies, which Qt does
# not ship: point THREADLINE_WINDOWS_LIBPQ_DIR at a PostgreSQL client's bin folder to bundle them.
set(THREADLINE_WINDOWS_LIBPQ_DIR "" CACHE PATH "Folder with libpq.dll and its DLLs (PostgreSQL bin)")
if(THREADLINE_WINDOWS_LIBPQ_DIR)
    file(GLOB threadline_libpq_dlls "${THREADLINE_WINDOWS_LIBPQ_DIR}/libpq.dll"
         "${THREADLINE_WINDOWS_LIBPQ_DIR}/libssl*.dll" "${THREADLINE_WINDOWS_LIBPQ_DIR}/libcrypto*.dll"
         "${THREADLINE_WINDOWS_LIBPQ_DIR}/libintl*.dll" "${THREADLINE_WINDOWS_LIBPQ_DIR}/libiconv*.dll")
    install(FILES ${threadline_libpq_dlls} DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
    install(FILES ${threadline_libpq_dlls} DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT console)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION . RENAME LICENSE.txt COMPONENT console)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/threadline.conf DESTINATION etc COMPONENT server)
