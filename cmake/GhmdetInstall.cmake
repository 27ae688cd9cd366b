# `cmake --install build --prefix P` then find_package(ghmdet CONFIG) gives ghmdet::ghmdet.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ghmdet EXPORT ghmdetTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/ghmdet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT ghmdetTargets NAMESPACE ghmdet:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ghmdet)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ghmdetConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ghmdetConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ghmdet)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ghmdetConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ghmdetConfig.cmake ${PROJECT_BINARY_DIR}/ghmdetConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ghmdet)
if(TARGET ghmdet_cli)
  install(TARGETS ghmdet_launcher RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # ghmdet_launcher.cpp finds it as ../libexec/ghmdet-main from bin/.
  install(TARGETS ghmdet_cli RUNTIME DESTINATION libexec)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs DESTINATION ${CMAKE_INSTALL_DATADIR}/ghmdet)
