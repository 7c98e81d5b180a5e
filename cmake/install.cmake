# Install rules: one package, fengqiao, with a component per library.
#
#   core     fengqiao::core     always loaded; needs nlohmann_json and Threads
#   sqlite   fengqiao::sqlite   needs SQLiteCpp
#   postgres fengqiao::postgres needs libpqxx (found through pkg-config)
#   testing  fengqiao::testing  needs doctest
#
# Each component has its own export set and targets file (fengqiao-<c>-targets.cmake), so
# the package config loads, and looks for the dependencies of, only what was asked for.
# The install COMPONENT names match, so a packager can split them:
#   cmake --install build --component sqlite
include(CMakePackageConfigHelpers)

set(FENGQIAO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fengqiao)

# Headers by component: the adapter's header and the testing headers travel with their
# libraries, so a core-only install holds no header it cannot compile.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fengqiao DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT core
        PATTERN sqlite_storage.hpp EXCLUDE
        PATTERN postgres_storage.hpp EXCLUDE
        PATTERN testing EXCLUDE)

foreach(component core sqlite postgres testing)
  if(NOT TARGET fengqiao_${component})
    continue()
  endif()
  install(TARGETS fengqiao_${component} EXPORT fengqiao-${component}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${component}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${component})
  install(EXPORT fengqiao-${component} NAMESPACE fengqiao:: FILE fengqiao-${component}-targets.cmake
          DESTINATION ${FENGQIAO_CMAKE_DIR} COMPONENT ${component})
endforeach()
if(TARGET fengqiao_sqlite)
  install(FILES ${PROJECT_SOURCE_DIR}/include/fengqiao/sqlite_storage.hpp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fengqiao COMPONENT sqlite)
endif()
if(TARGET fengqiao_postgres)
  install(FILES ${PROJECT_SOURCE_DIR}/include/fengqiao/postgres_storage.hpp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fengqiao COMPONENT postgres)
endif()
if(TARGET fengqiao_testing)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fengqiao/testing
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fengqiao COMPONENT testing)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/fengqiaoConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/fengqiaoConfig.cmake
                              INSTALL_DESTINATION ${FENGQIAO_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fengqiaoConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fengqiaoConfig.cmake ${PROJECT_BINARY_DIR}/fengqiaoConfigVersion.cmake
        DESTINATION ${FENGQIAO_CMAKE_DIR} COMPONENT core)

# pkg-config files, for builds that do not use CMake. Relocatable: the prefix is found from
# the .pc file's own place (${pcfiledir}), so `cmake --install --prefix` anywhere works.
file(RELATIVE_PATH _fengqiao_pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" _fengqiao_pc_up "${_fengqiao_pc_up}")
set(FENGQIAO_PC_PREFIX "\${pcfiledir}/${_fengqiao_pc_up}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/fengqiao.pc.in ${PROJECT_BINARY_DIR}/fengqiao.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/fengqiao.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT core)
if(TARGET fengqiao_sqlite)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/fengqiao-sqlite.pc.in ${PROJECT_BINARY_DIR}/fengqiao-sqlite.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/fengqiao-sqlite.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sqlite)
endif()
