console.log(`post sees ${process.env.STATE_token}`);
