# cmake -DIN=file -DOUT=file.gz -P gzip_n.cmake: gzip -9n, as Debian wants man pages and
# changelogs (best compression, no name or time stamp inside, so builds are reproducible).
execute_process(COMMAND gzip -9nc ${IN} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip -9nc ${IN} failed: ${rc}")
endif()
