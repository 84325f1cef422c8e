# macOS disk image: CPack DragNDrop with macdeployqt. Included from packaging/CMakeLists.txt when APPLE.
# NOT BUILT OR TESTED: the project's machines are Debian only. See packaging/macos/README.md.

if(NOT THREADLINE_BUILD_GUI)
    message(FATAL_ERROR "The macOS package is the console app bundle: configure with THREADLINE_BUILD_GUI=ON")
endif()

# The console must be an app bundle, which needs two changes in gui/CMakeLists.txt that are not
# made yet (they would be: qt_add_executable(threadline MACOSX_BUNDLE main.cpp) and
# `BUNDLE DESTINATION .` in its install rule). Fail clearly rather than produce a broken image.
get_target_property(threadline_is_bundle threadline MACOSX_BUNDLE)
if(NOT threadline_is_bundle)
    message(FATAL_ERROR "packaging/macos: the threadline target is not a MACOSX_BUNDLE; "
                        "see packaging/macos/README.md (section 'Prerequisites in gui/')")
endif()

set(THREADLINE_BUNDLE_ID "io.threadline.Threadline")
set_target_properties(threadline PROPERTIES
    OUTPUT_NAME Threadline
    MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_SOURCE_DIR}/macos/Info.plist.in
    MACOSX_BUNDLE_GUI_IDENTIFIER ${THREADLINE_BUNDLE_ID}
    MACOSX_BUNDLE_BUNDLE_NAME Threadline
    MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
    MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION}
    MACOSX_BUNDLE_ICON_FILE threadline.icns
    MACOSX_BUNDLE_COPYRIGHT "Copyright 2026 The Threadline authors")

# The icon: Contents/Resources/threadline.icns, made from the committed PNGs with iconutil.
set(threadline_iconset ${CMAKE_CURRENT_BINARY_DIR}/threadline.iconset)
set(threadline_icns ${CMAKE_CURRENT_BINARY_DIR}/threadline.icns)
add_custom_command(OUTPUT ${threadline_icns}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${threadline_iconset}
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/16x16/threadline.png ${threadline_iconset}/icon_16x16.png
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/32x32/threadline.png ${threadline_iconset}/icon_16x16@2x.png
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/32x32/threadline.png ${threadline_iconset}/icon_32x32.png
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/64x64/threadline.png ${threadline_iconset}/icon_32x32@2x.png
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/128x128/threadline.png ${threadline_iconset}/icon_128x128.png
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/256x256/threadline.png ${threadline_iconset}/icon_128x128@2x.png
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/icons/256x256/threadline.png ${threadline_iconset}/icon_256x256.png
    COMMAND iconutil -c icns -o ${threadline_icns} ${threadline_iconset}
    VERBATIM)
target_sources(threadline PRIVATE ${threadline_icns})
set_source_files_properties(${threadline_icns} PROPERTIES MACOSX_PACKAGE_LOCATION Resources)

# macdeployqt at install time (Qt's wrapper, Qt >= 6.3): Qt frameworks and plugins into the bundle.
qt_generate_deploy_app_script(TARGET threadline FILENAME_VARIABLE threadline_deploy_console)
install(SCRIPT ${threadline_deploy_console} COMPONENT console)

set(CPACK_GENERATOR DragNDrop)
set(CPACK_DMG_VOLUME_NAME "Threadline ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT UDZO)
# Only the console goes into the disk image; the server is packaged for Linux.
set(CPACK_COMPONENTS_ALL console)
set(CPACK_DMG_SLA_USE_RESOURCE_FILE_LICENSE OFF)
