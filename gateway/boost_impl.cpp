// The one translation unit that compiles Boost.Asio, Boost.Beast and Boost.JSON.
// Everything else includes their headers with *_SEPARATE_COMPILATION and links here,
// so the heavy templates are built once on our two cores.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
