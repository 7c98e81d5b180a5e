// The fuzz targets without libFuzzer: feeds each file named on the command line (each file
// of a directory named, in name order) to LLVMFuzzerTestOneInput once. ctest runs it on
// every target's seeds and saved crashes in every build tree — the plain GCC build, and
// the AddressSanitizer tree where a regression shows as a sanitizer report — so an input
// that once crashed keeps being tried without needing clang or a fuzzing run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << file << "\n";
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Printed before the run: when an input crashes the process, the last name printed is it.
  std::cout << file.string() << " (" << bytes.size() << " bytes)" << std::endl;
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::vector<fs::path> files;
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::directory_iterator(arg))
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
      std::sort(files.begin(), files.end());
    } else if (fs::exists(arg)) {
      files.push_back(arg);
    } else {
      // A directory that does not exist yet (no crash saved) is nothing to run.
      continue;
    }
    for (const auto& file : files) {
      if (!run_file(file)) return 1;
      ++inputs;
    }
  }
  std::cout << inputs << " inputs ran" << std::endl;
  // No input at all means a wrong path, not a pass: every target has seeds.
  return inputs > 0 ? 0 : 1;
}
