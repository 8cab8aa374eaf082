# demo.gdb — what `make demo` shows: run the example to demo_ready(), then
# the picture, the table and three whereis answers.
set pagination off
set style enabled off
break demo_ready
run
echo \n(gdb) vmlayout\n
vmlayout
echo \n(gdb) vmlayout --table\n
vmlayout --table
echo \n(gdb) whereis &counter\n
whereis &counter
echo \n(gdb) whereis $rsp\n
whereis $rsp
echo \n(gdb) whereis $pc\n
whereis $pc
kill
