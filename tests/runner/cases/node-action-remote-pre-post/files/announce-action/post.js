const e = process.env;
console.log(`post for ${e.INPUT_WHO}: ${e.STATE_FROM_PRE} ${e.STATE_FROM_MAIN || "(main did not run)"}`);
