package nsctx

import (
	"strconv"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }
func sleepBriefly()     { time.Sleep(5 * time.Millisecond) }
