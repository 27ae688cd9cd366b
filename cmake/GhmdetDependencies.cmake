# Every third-party dependency, found once, gathered in the interface target ghmdet_deps.
include(GhmdetTorch)
set(GHMDET_IMAGE_STACK_LIBS)
if(NOT GHMDET_CORE_ONLY)
  # Debian splits OpenCV per module and ships OpenCVConfig.cmake only with the full libopencv-dev;
  # the three modules used here are found directly when that config file is absent.
  find_package(OpenCV QUIET COMPONENTS core imgproc imgcodecs)
  if(NOT OpenCV_FOUND)
    find_path(OpenCV_INCLUDE_DIRS opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
    set(OpenCV_LIBS)
    foreach(module core imgproc imgcodecs)
      find_library(OpenCV_${module}_LIBRARY opencv_${module} REQUIRED)
      list(APPEND OpenCV_LIBS ${OpenCV_${module}_LIBRARY})
    endforeach()
  endif()
  find_package(simdjson REQUIRED)
  find_package(pugixml REQUIRED)
  find_package(ZLIB REQUIRED)
  set(GHMDET_IMAGE_STACK_LIBS ${OpenCV_LIBS} simdjson::simdjson pugixml::pugixml ZLIB::ZLIB)
endif()
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)

add_library(ghmdet_deps INTERFACE)
if(GHMDET_TORCH_SHIPS_FMT)
  # -I folders come before libtorch's (-isystem) ones: Debian's fmt wins (cmake/GhmdetTorch.cmake).
  get_target_property(fmt_dirs fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
  find_path(GHMDET_SYSTEM_FMT_DIR fmt/format.h HINTS ${fmt_dirs} NO_DEFAULT_PATH)
  if(NOT GHMDET_SYSTEM_FMT_DIR)
    set(GHMDET_SYSTEM_FMT_DIR /usr/include)
  endif()
  set(shadow "${PROJECT_BINARY_DIR}/fmt-include")
  file(MAKE_DIRECTORY "${shadow}")
  file(CREATE_LINK "${GHMDET_SYSTEM_FMT_DIR}/fmt" "${shadow}/fmt" SYMBOLIC)
  target_include_directories(ghmdet_deps BEFORE INTERFACE $<BUILD_INTERFACE:${shadow}>)
endif()
target_include_directories(ghmdet_deps INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src> ${OpenCV_INCLUDE_DIRS})
# Torch's imported targets carry flags (-D_GLIBCXX_USE_CXX11_ABI, include dirs) that consumers need.
target_link_libraries(ghmdet_deps INTERFACE
  ${TORCH_LIBRARIES} ${GHMDET_IMAGE_STACK_LIBS} yaml-cpp nlohmann_json::nlohmann_json
  fmt::fmt spdlog::spdlog Threads::Threads)
target_link_options(ghmdet_deps INTERFACE ${GHMDET_TORCH_LINK_OPTIONS})
target_compile_options(ghmdet_deps INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)

# Multi-process training uses PyTorch's own c10d (TCPStore + ProcessGroupGloo, and
# ProcessGroupNCCL with a CUDA libtorch). libtorch builds with USE_DISTRIBUTED export these
# symbols from libtorch_cpu and usually put USE_C10D_GLOO in torch's interface definitions
# (Debian's does); the symbols are checked here with a link test (without the heavy headers),
# and GHMDET_HAVE_GLOO (plus USE_C10D_*, for packages that omit them) is defined for
# src/ghmdet/engine/distributed/ only. Without Gloo the code still builds and reports, at run
# time, that this build cannot train on several processes.
option(GHMDET_WITH_DISTRIBUTED "Multi-process training over torch.distributed's c10d" ON)
set(GHMDET_HAVE_GLOO OFF)
set(GHMDET_HAVE_NCCL OFF)
if(GHMDET_WITH_DISTRIBUTED)
  find_path(GHMDET_C10D_GLOO_HEADER torch/csrc/distributed/c10d/ProcessGroupGloo.hpp
            HINTS ${TORCH_INCLUDE_DIRS})
  find_path(GHMDET_GLOO_HEADER gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
  if(GHMDET_C10D_GLOO_HEADER AND GHMDET_GLOO_HEADER)
    include(CheckCXXSourceCompiles)
    # The library files, not Torch's imported targets: a wheel's targets name others (protobuf)
    # that a try_compile project does not define.
    find_library(GHMDET_TORCH_CPU_LIBRARY torch_cpu PATHS ${GHMDET_TORCH_LIBRARY_DIR} NO_DEFAULT_PATH)
    find_library(GHMDET_C10_LIBRARY c10 PATHS ${GHMDET_TORCH_LIBRARY_DIR} NO_DEFAULT_PATH)
    set(CMAKE_REQUIRED_LIBRARIES ${GHMDET_TORCH_CPU_LIBRARY} ${GHMDET_C10_LIBRARY})
    set(CMAKE_REQUIRED_QUIET ON)
    # The return type is not part of the mangled name: no headers needed to link against it.
    # libtorch 2.x added a `bool lazyInit` parameter.
    foreach(params IN ITEMS void bool)
      set(args "")
      if(params STREQUAL "bool")
        set(args false)
      endif()
      check_cxx_source_compiles("
        #include <memory>
        namespace gloo { namespace transport { class Device; } }
        namespace c10d { class ProcessGroupGloo {
         public: static std::shared_ptr<gloo::transport::Device> createDefaultDevice(${params}); }; }
        int main() { return c10d::ProcessGroupGloo::createDefaultDevice(${args}) ? 0 : 1; }
      " GHMDET_LIBTORCH_GLOO_DEVICE_${params})
      if(GHMDET_LIBTORCH_GLOO_DEVICE_${params})
        set(GHMDET_HAVE_GLOO ON)
      endif()
    endforeach()
    unset(CMAKE_REQUIRED_LIBRARIES)
    unset(CMAKE_REQUIRED_QUIET)
  endif()
  if(GHMDET_HAVE_GLOO AND TORCH_CUDA_LIBRARIES)
    find_path(GHMDET_C10D_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp
              HINTS ${TORCH_INCLUDE_DIRS})
    # nccl.h: the wheel's own (nvidia/nccl beside torch/), else the CUDA toolkit's.
    find_path(GHMDET_NCCL_INCLUDE_DIR nccl.h
              HINTS ${GHMDET_TORCH_PREFIX}/../nvidia/nccl/include ${CUDAToolkit_INCLUDE_DIRS})
    if(GHMDET_C10D_NCCL_HEADER AND GHMDET_NCCL_INCLUDE_DIR)
      set(GHMDET_HAVE_NCCL ON)
    endif()
  endif()
  set(ghmdet_c10d_definitions)
  if(GHMDET_HAVE_GLOO)
    list(APPEND ghmdet_c10d_definitions GHMDET_HAVE_GLOO USE_C10D_GLOO)
  endif()
  if(GHMDET_HAVE_NCCL)
    list(APPEND ghmdet_c10d_definitions GHMDET_HAVE_NCCL USE_C10D_NCCL)
  endif()
  if(ghmdet_c10d_definitions)
    file(GLOB ghmdet_c10d_sources CONFIGURE_DEPENDS
         ${PROJECT_SOURCE_DIR}/src/ghmdet/engine/distributed/*.cpp)
    set_source_files_properties(${ghmdet_c10d_sources} PROPERTIES
                                COMPILE_DEFINITIONS "${ghmdet_c10d_definitions}")
    if(GHMDET_HAVE_NCCL)
      set_property(SOURCE ${ghmdet_c10d_sources} APPEND PROPERTY
                   INCLUDE_DIRECTORIES ${GHMDET_NCCL_INCLUDE_DIR})
    endif()
  endif()
endif()
message(STATUS "GHMDet multi-process training: gloo ${GHMDET_HAVE_GLOO}, nccl ${GHMDET_HAVE_NCCL}")
