package usage

import (
	"flag"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
)

// Profiles registers -cpuprofile and -memprofile on the default flag set;
// call its result after flag.Parse to start them, and the function that
// returns at exit to write them.
func Profiles() (start func() (stop func())) {
	cpu := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	mem := flag.String("memprofile", "", "write an allocation profile of the whole run to `file` (every 512th byte sampled)")
	return func() func() {
		var cpuFile *os.File
		if *cpu != "" {
			f, err := os.Create(*cpu)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
			cpuFile = f
		}
		if *mem != "" {
			runtime.MemProfileRate = 512
		}
		return func() {
			if cpuFile != nil {
				pprof.StopCPUProfile()
				cpuFile.Close()
			}
			if *mem != "" {
				f, err := os.Create(*mem)
				if err != nil {
					log.Fatal(err)
				}
				defer f.Close()
				if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
					log.Fatal(err)
				}
			}
		}
	}
}
