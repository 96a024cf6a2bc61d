"""Load-test harnesses (moto server, concurrent posters) used by the suite and the benchmarks."""
