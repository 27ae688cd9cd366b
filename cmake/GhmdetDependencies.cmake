# Every third-party dependency, found once, gathered in the interface target ghmdet_deps.
find_package(Torch REQUIRED)
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
find_package(yaml-cpp REQUIRED)
find_package(simdjson REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(pugixml REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)

add_library(ghmdet_deps INTERFACE)
target_include_directories(ghmdet_deps INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src> ${OpenCV_INCLUDE_DIRS})
# Torch's imported targets carry flags (-D_GLIBCXX_USE_CXX11_ABI, include dirs) that consumers need.
target_link_libraries(ghmdet_deps INTERFACE
  ${TORCH_LIBRARIES} ${OpenCV_LIBS} yaml-cpp simdjson::simdjson nlohmann_json::nlohmann_json
  pugixml::pugixml fmt::fmt spdlog::spdlog Threads::Threads)
target_compile_options(ghmdet_deps INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
