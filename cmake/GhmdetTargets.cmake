# Helpers that define the per-layer object libraries, the joined library and the tests.

set(GHMDET_PCH_HEADERS <torch/torch.h> <vector> <string> <memory> <optional>)

# ghmdet_add_layer(name): object library ghmdet_<name> from src/ghmdet/<name>/**/*.cpp, plus
# its cuda/ folders' *.cu and *.cpp when GHMDet's CUDA kernels are built (cmake/GhmdetTorch.cmake).
function(ghmdet_add_layer name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/ghmdet/${name}/*.cpp)
  set(cuda_srcs)
  if(GHMDET_WITH_CUDA_KERNELS)
    file(GLOB_RECURSE cuda_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/ghmdet/${name}/*.cu)
  else()
    list(FILTER srcs EXCLUDE REGEX "/cuda/[^/]*$")
  endif()
  if(NOT srcs AND NOT cuda_srcs)
    return()
  endif()
  add_library(ghmdet_${name} OBJECT ${srcs} ${cuda_srcs})
  target_link_libraries(ghmdet_${name} PUBLIC ghmdet_deps)
  ghmdet_use_pch(ghmdet_${name})
  if(cuda_srcs)
    set_source_files_properties(${cuda_srcs} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    set_target_properties(ghmdet_${name} PROPERTIES CUDA_ARCHITECTURES "${GHMDET_CUDA_ARCHITECTURES}"
                                                    CUDA_STANDARD 17)
  endif()
  set_property(GLOBAL APPEND PROPERTY GHMDET_LAYER_TARGETS ghmdet_${name})
endfunction()

# All object libraries share one precompiled header (the first target that asks owns it).
function(ghmdet_use_pch target)
  if(NOT GHMDET_USE_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    # The shared PCH is built -fPIC; executables default to -fPIE, which GCC rejects as a
    # different setting. -fPIC objects link into a PIE executable just as well.
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  get_property(owner GLOBAL PROPERTY GHMDET_PCH_OWNER)
  if(owner)
    target_precompile_headers(${target} REUSE_FROM ${owner})
  else()
    target_precompile_headers(${target} PRIVATE ${GHMDET_PCH_HEADERS})
    set_property(GLOBAL PROPERTY GHMDET_PCH_OWNER ${target})
  endif()
endfunction()

function(ghmdet_add_library)
  get_property(layers GLOBAL PROPERTY GHMDET_LAYER_TARGETS)
  set(objects)
  foreach(t IN LISTS layers)
    list(APPEND objects $<TARGET_OBJECTS:${t}>)
  endforeach()
  add_library(ghmdet SHARED ${objects})
  add_library(ghmdet::ghmdet ALIAS ghmdet)
  target_link_libraries(ghmdet PUBLIC ${TORCH_LIBRARIES} PRIVATE $<BUILD_INTERFACE:ghmdet_deps>)
  # Consumers link libtorch through ghmdet and need the same libraries (cmake/GhmdetTorch.cmake).
  target_link_options(ghmdet INTERFACE ${GHMDET_TORCH_LINK_OPTIONS})
  target_include_directories(ghmdet PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src> $<INSTALL_INTERFACE:include>)
  target_compile_features(ghmdet PUBLIC cxx_std_17)
  set_target_properties(ghmdet PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
endfunction()

# ghmdet_add_test(name SOURCES a.cpp... LAYERS core losses...)
# A GoogleTest executable that links only the layers it names, so a layer's tests build
# without the rest of the library.
function(ghmdet_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LAYERS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/test_main.cpp)
  foreach(layer IN LISTS T_LAYERS)
    target_link_libraries(${name} PRIVATE ghmdet_${layer})
  endforeach()
  target_link_libraries(${name} PRIVATE ghmdet_deps GTest::gtest GTest::gmock)
  # Paths come from a generated header, not -D flags, so tests can share the torch PCH.
  target_include_directories(${name} PRIVATE ${PROJECT_BINARY_DIR}/tests)
  ghmdet_use_pch(${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 120 PROPERTIES TIMEOUT ${T_TIMEOUT})
endfunction()
