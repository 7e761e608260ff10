const fs = require("fs");
console.log("pre ran");
fs.appendFileSync(process.env.GITHUB_STATE, "FROM_PRE=pre-state\n");
