console.log(`post sees ${process.env.STATE_FROM_PRE} and ${process.env.STATE_FROM_MAIN}`);
