# Sanitizer builds (clang), for tools/sanitize.sh and .ci/run:
#   PROTOGATE_SANITIZE=address  ASan + UBSan, every check fatal
#                               (-fno-sanitize-recover=all)
#   PROTOGATE_SANITIZE=thread   TSan
# Everything of the project is instrumented; the Debian libraries it links
# (gRPC, protobuf, Abseil, Boost's compiled parts) are not.
#
# TSan cannot see how an uninstrumented absl::Mutex orders memory, so the
# thread build links every binary first against absl_mutex_tsan_shim
# (tests/sanitizers/), which reports absl::Mutex, CondVar and Notification
# to TSan the way Abseil does when it is built with TSan itself.
set(PROTOGATE_SANITIZE "" CACHE STRING
  "Sanitizer build: empty, \"address\" (ASan+UBSan) or \"thread\" (TSan)")
set_property(CACHE PROTOGATE_SANITIZE PROPERTY STRINGS "" address thread)

if(PROTOGATE_SANITIZE STREQUAL "")
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PROTOGATE_SANITIZE needs clang: "
    "CXX=clang++ cmake -DPROTOGATE_SANITIZE=${PROTOGATE_SANITIZE} ...")
endif()

if(PROTOGATE_SANITIZE STREQUAL "address")
  # The ignorelist is the fuzz build's: one RapidJSON header, named there
  # with the upstream bug it hides.
  set(protogate_sanitizer_flags -fsanitize=address,undefined
    -fno-sanitize-recover=all
    -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/tests/fuzz/sanitizer_ignorelist.txt)
elseif(PROTOGATE_SANITIZE STREQUAL "thread")
  find_package(absl CONFIG REQUIRED)
  add_library(absl_mutex_tsan_shim SHARED
    ${PROJECT_SOURCE_DIR}/tests/sanitizers/absl_mutex_tsan_shim.cc)
  target_link_libraries(absl_mutex_tsan_shim PRIVATE absl::synchronization
    ${CMAKE_DL_LIBS})
  # Loaded before libabsl_synchronization, so its definitions win.
  link_libraries(-Wl,--push-state,--no-as-needed absl_mutex_tsan_shim
    -Wl,--pop-state)
  set(protogate_sanitizer_flags -fsanitize=thread)
else()
  message(FATAL_ERROR "PROTOGATE_SANITIZE: unknown value "
    "\"${PROTOGATE_SANITIZE}\" (address or thread)")
endif()
add_compile_options(${protogate_sanitizer_flags} -fno-omit-frame-pointer)
add_link_options(${protogate_sanitizer_flags})
